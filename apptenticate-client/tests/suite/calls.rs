//! The biometric calls on the wire: multipart fields, file names, content types, answers.

use crate::common::*;
use apptenticate_client::{BiometricCheck, Device, DocumentType, Error, Image, RequestOptions};
use biometric_core::{HeaderValue, header::HeaderName};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(route: &str, status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    Mock::given(method("POST"))
        .and(path(route))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

const CHECK_ROUTE: &str = "/contract/biometria/";

#[tokio::test]
async fn citizen_check_sends_cedula_and_imagen_as_the_runnable_example_does() {
    let server = server_answering(CHECK_ROUTE, 200, fixture("biometria-response.json")).await;
    let face = jpeg("face-of-0102");

    let check = client(&server)
        .check_citizen("0102030405", face.clone())
        .send()
        .await
        .unwrap();

    // valid: false is an answer, not an error.
    assert!(!check.valid);
    assert_eq!(check.code, Some(1));
    assert_eq!(check.id, None);
    assert_eq!(
        check.message.as_deref(),
        Some("String containing the biomatric validation failure information")
    );
    let requests = requests_to(&server, CHECK_ROUTE).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(
        multipart(&requests[0]),
        vec![
            text("cedula", "0102030405"),
            jpeg_file("imagen", "imagen.jpg", &face)
        ]
    );
}

#[tokio::test]
async fn citizen_check_with_id_and_device() {
    let server =
        server_answering(CHECK_ROUTE, 200, fixture("biometria-response-with-id.json")).await;
    let face = jpeg("face");

    let check = client(&server)
        .check_citizen("0102030405", face.clone())
        .return_id(true)
        .device(Device::Ios)
        .send()
        .await
        .unwrap();

    assert!(check.valid);
    assert_eq!(check.message, None);
    assert_eq!(check.id, Some(123456));
    let requests = requests_to(&server, CHECK_ROUTE).await;
    assert_eq!(
        multipart(&requests[0]),
        vec![
            text("cedula", "0102030405"),
            jpeg_file("imagen", "imagen.jpg", &face),
            text("id", "True"),
            text("dispositivo", "IOS"),
        ]
    );
}

#[tokio::test]
async fn every_device_has_its_documented_spelling() {
    for (device, wire) in [
        (Device::Ios, "IOS"),
        (Device::Android, "ANDROID"),
        (Device::Desktop, "DESKTOP"),
    ] {
        assert_eq!(device.as_str(), wire);
    }
}

#[tokio::test]
async fn documented_answers_decode() {
    let base: BiometricCheck = serde_json::from_value(fixture("biometria-response.json")).unwrap();
    assert!(!base.valid && base.id.is_none());
    let with_id: BiometricCheck =
        serde_json::from_value(fixture("biometria-response-with-id.json")).unwrap();
    assert_eq!(with_id.id, Some(123456));
}

#[tokio::test]
async fn bad_images_and_ids_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server);

    let png = Image::from_bytes(b"\x89PNG\r\n\x1a\n....".to_vec());
    let err = client.check_citizen("1", png).send().await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "imagen"),
        "{err}"
    );

    let mut big = vec![0xff, 0xd8, 0xff, 0xe0];
    big.resize(2_000_001, 0);
    let err = client
        .check_citizen("1", Image::from_bytes(big))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid request: `imagen` must be at most 2 MB (found 2000001 bytes); nothing was sent"
    );

    // One byte over the limit with a valid citizen id: the size rule itself refuses it.
    let mut over = vec![0xff, 0xd8, 0xff, 0xe0];
    over.resize(2_000_001, 0);
    let err = client
        .check_citizen("0102030405", Image::from_bytes(over))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "imagen"),
        "{err}"
    );

    let mut at_limit = vec![0xff, 0xd8, 0xff, 0xe0];
    at_limit.resize(2_000_000, 0);
    let err = client
        .check_citizen("", Image::from_bytes(at_limit))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "cedula"),
        "{err}"
    );

    let err = client
        .check_liveness(Image::from_bytes(b"GIF89a".to_vec()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "selfie"),
        "{err}"
    );

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent, not even a login"
    );
}

#[tokio::test]
async fn without_the_contract_path_the_citizen_check_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = apptenticate_client::Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .build()
        .unwrap();
    let err = client
        .check_citizen("1", jpeg("face"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest { ref field, .. } if field == "biometric_check_path"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_configured_check_path_goes_out_as_written_trailing_slash_or_not() {
    for (configured, sent) in [
        ("/v1/biometria", "/v1/biometria"),
        ("v1/biometria/", "/v1/biometria/"),
        ("check", "/check"),
    ] {
        let server = server_answering(sent, 200, fixture("biometria-response.json")).await;
        let client = apptenticate_client::Client::builder(server.uri())
            .credentials(USERNAME, PASSWORD)
            .biometric_check_path(configured)
            .build()
            .unwrap();
        client
            .check_citizen("0102030405", jpeg("face"))
            .send()
            .await
            .unwrap();
        let paths: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert_eq!(paths, ["/api/token/", sent], "{configured}");
    }
}

#[tokio::test]
async fn a_configured_check_path_with_empty_dot_or_dot_dot_segments_is_refused_at_build() {
    for bad in ["", "/", "a//b", "./a", "a/..", "a/?q=1", "a%2Fb"] {
        let err = apptenticate_client::Client::builder("http://127.0.0.1:9")
            .credentials(USERNAME, PASSWORD)
            .biometric_check_path(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidRequest { ref field, .. } if field == "biometric_check_path"),
            "{bad:?}: {err}"
        );
    }
}

#[tokio::test]
async fn per_call_and_per_client_options_reach_the_wire() {
    let server = server_answering(
        "/api/v2/biometrics/liveness/",
        200,
        json!({"data": {"api_response": {"score": 0.9, "quality": 0.8, "liveness": 0.95}}}),
    )
    .await;
    let client = client(&server);
    let tagged = |value: &'static str| {
        RequestOptions::new().header(
            HeaderName::from_static("x-request-id"),
            HeaderValue::from_static(value),
        )
    };

    client
        .check_liveness(jpeg("selfie"))
        .options(tagged("one-call"))
        .send()
        .await
        .unwrap();
    client.check_liveness(jpeg("selfie")).send().await.unwrap();
    let tagged_client = client.with_options(tagged("whole-client"));
    tagged_client
        .check_liveness(jpeg("selfie"))
        .send()
        .await
        .unwrap();

    let ids: Vec<Option<String>> = requests_to(&server, "/api/v2/biometrics/liveness/")
        .await
        .iter()
        .map(|r| {
            r.headers
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        ids,
        [
            Some("one-call".to_owned()),
            None,
            Some("whole-client".to_owned())
        ]
    );
    assert_eq!(
        requests_to(&server, "/api/token/").await.len(),
        1,
        "the clone shares the tokens"
    );
}

#[tokio::test]
async fn a_server_error_is_not_retried() {
    let server = MockServer::start().await;
    mount_login(&server, "access-1", "refresh-1").await;
    Mock::given(method("POST"))
        .and(path(CHECK_ROUTE))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"detail": "busy"})))
        .expect(1)
        .mount(&server)
        .await;
    // The default retry policy: a POST that reached the service is not sent again.
    let client = apptenticate_client::Client::builder(server.uri())
        .credentials(USERNAME, PASSWORD)
        .biometric_check_path(CHECK_ROUTE)
        .build()
        .unwrap();
    let err = client
        .check_citizen("1", jpeg("face"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn an_answer_without_valid_is_a_decode_error_with_the_body() {
    let server = server_answering(CHECK_ROUTE, 200, json!({"message": "?", "code": 3})).await;
    let err = client(&server)
        .check_citizen("1", jpeg("face"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_eq!(err.body().unwrap().as_ref(), br#"{"code":3,"message":"?"}"#);
}

#[tokio::test]
async fn nationals_v3_and_v3_2() {
    for (sib_plus, route) in [
        (false, "/api/v3/biometrics/nationals/"),
        (true, "/api/v3.2/biometrics/nationals/"),
    ] {
        let answer = json!({"valid": true, "message": null, "code": 0, "id": 77, "extra": [1]});
        let server = server_answering(route, 200, answer.clone()).await;
        let selfie = jpeg("selfie");
        let check = client(&server)
            .check_national("0102030405", selfie.clone())
            .sib_plus(sib_plus)
            .return_id(true)
            .device(Device::Android)
            .send()
            .await
            .unwrap();
        assert_eq!(check.valid, Some(true));
        assert_eq!(check.id, Some(77));
        assert_eq!(check.code, Some(0));
        assert_eq!(check.raw, answer);
        let requests = requests_to(&server, route).await;
        assert_eq!(
            multipart(&requests[0]),
            vec![
                text("citizen_id", "0102030405"),
                jpeg_file("selfie", "selfie.jpg", &selfie),
                text("return_id", "True"),
                text("device", "ANDROID"),
            ],
            "{route}"
        );
    }
}

#[tokio::test]
async fn foreigners_v3_with_each_document_type() {
    for (document_type, wire) in [
        (DocumentType::Passport, "passport"),
        (DocumentType::IdentificationCard, "identification_card"),
        (DocumentType::ProfileImage, "profile_image"),
    ] {
        let route = "/api/v3/biometrics/foreigns/";
        let server = server_answering(route, 200, json!({"valid": false})).await;
        let (front, selfie) = (jpeg("front"), jpeg("selfie"));
        let check = client(&server)
            .check_foreigner(front.clone(), selfie.clone(), document_type)
            .send()
            .await
            .unwrap();
        assert_eq!(check.valid, Some(false));
        let requests = requests_to(&server, route).await;
        assert_eq!(
            multipart(&requests[0]),
            vec![
                jpeg_file("frontside", "frontside.jpg", &front),
                jpeg_file("selfie", "selfie.jpg", &selfie),
                text("document_type", wire),
            ]
        );
    }
}

#[tokio::test]
async fn liveness_v2_reports_the_scores_and_the_documented_rule() {
    let route = "/api/v2/biometrics/liveness/";
    let answer = json!({"data": {"api_response": {"score": 0.7, "quality": 0.9, "liveness": 0.4}}});
    let server = server_answering(route, 200, answer.clone()).await;
    let selfie = jpeg("selfie");

    let result = client(&server)
        .check_liveness(selfie.clone())
        .return_id(true)
        .device(Device::Desktop)
        .details(true)
        .send()
        .await
        .unwrap();

    assert_eq!(result.api_response.score, 0.7);
    assert_eq!(result.api_response.quality, 0.9);
    assert_eq!(result.api_response.liveness, 0.4);
    assert!(
        !result.api_response.meets_documented_rule(),
        "liveness 0.4 < 0.5"
    );
    assert_eq!(result.raw, answer);
    let requests = requests_to(&server, route).await;
    assert_eq!(
        multipart(&requests[0]),
        vec![
            jpeg_file("selfie", "selfie.jpg", &selfie),
            text("return_id", "True"),
            text("device", "DESKTOP"),
            text("details", "True"),
        ]
    );
}

#[tokio::test]
async fn liveness_without_api_response_is_a_decode_error() {
    let route = "/api/v2/biometrics/liveness/";
    let server = server_answering(route, 200, json!({"data": {}})).await;
    let err = client(&server)
        .check_liveness(jpeg("selfie"))
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("data"));
}

#[tokio::test]
async fn images_never_show_in_debug_output() {
    let server = MockServer::start().await;
    let client = client(&server);
    let request = client.check_citizen("0102030405", jpeg("BIOMETRIC-BYTES"));
    let text = format!("{request:?}");
    assert!(!text.contains("BIOMETRIC-BYTES"), "{text}");
}

#[test]
fn a_verdict_is_read_whatever_the_json_type_of_its_fields() {
    for (body, valid, code, id) in [
        (
            r#"{"valid": "True", "message": null, "code": "0", "id": "77"}"#,
            true,
            Some(0),
            Some(77),
        ),
        (r#"{"valid": 0, "message": "no match"}"#, false, None, None),
        (
            r#"{"valid": false, "code": null, "id": "", "score": 0.12}"#,
            false,
            None,
            None,
        ),
    ] {
        let check: BiometricCheck = serde_json::from_str(body).expect(body);
        assert_eq!(
            (check.valid, check.code, check.id),
            (valid, code, id),
            "{body}"
        );
    }
    let extra: BiometricCheck =
        serde_json::from_str(r#"{"valid": true, "code": 0, "score": 0.97}"#).unwrap();
    assert_eq!(
        extra.other["score"], 0.97,
        "a field the docs do not list is kept"
    );
}
