//! The four calls on the wire: method, path, headers (one Content-Type, the key), exact bodies,
//! and the documented answers.

use crate::common::*;
use biopassid_client::{Image, Person};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DOCUMENTED_REQUEST: &str = include_str!("../fixtures/enroll-request-documented.json");
const DOCUMENTED_RESPONSE: &str = include_str!("../fixtures/enroll-response-documented.json");
/// The documentation shows the face image truncated with "..."; the bytes before it.
const DOCUMENTED_IMAGE_B64: &str = "/9j/4AAQSkZJRgABAQAAAQABAAD/";

fn assert_headers(request: &wiremock::Request, content_type: &str) {
    assert_eq!(
        header_values(request, "content-type"),
        [content_type],
        "exactly one Content-Type"
    );
    assert_eq!(header_values(request, "ocp-apim-subscription-key"), [KEY]);
}

#[tokio::test]
async fn enroll_sends_the_documented_example_body_and_reads_the_documented_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/multibiometrics/enroll"))
        .respond_with(ResponseTemplate::new(200).set_body_string(DOCUMENTED_RESPONSE))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let face = Image::from_bytes(biometric_core::base64::decode(DOCUMENTED_IMAGE_B64).unwrap());
    let person = Person::new(id("1234")).face(face);
    let enrolled = client(&server).enroll(&person).await.unwrap();

    assert_eq!(enrolled.client_id, "1628692218558x176807293303153250");
    assert_eq!(enrolled.custom_id, "1234");
    assert_eq!(enrolled.biopass_id, "1648");
    assert_eq!((enrolled.success, enrolled.message), (None, None));

    let request = only_request(&server).await;
    assert_headers(&request, "application/json");
    let expected: serde_json::Value =
        serde_json::from_str(&DOCUMENTED_REQUEST.replace("...", "")).unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent, expected);
    // Byte for byte too: no extra keys, no `Fingers: []`, the documented key order.
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
}

#[tokio::test]
async fn enroll_sends_fingers_and_faces_under_their_keys() {
    let server = MockServer::start().await;
    let (face, index, thumb) = (jpeg("face"), png("index"), jpeg("thumb"));
    Mock::given(method("POST"))
        .and(path("/multibiometrics/enroll"))
        .and(body_json(serde_json::json!({"Person": {
            "CustomID": "ana-01",
            "Fingers": [{"Finger-2": b64(&index)}, {"Finger-1": b64(&thumb)}],
            "Face": [{"Face-1": b64(&face)}]
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(enrolled_body("ana-01")))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let person = Person::new(id("ana-01"))
        .finger(finger(2), index)
        .face(face)
        .finger(finger(1), thumb);
    client(&server).enroll(&person).await.unwrap();
    assert_headers(&only_request(&server).await, "application/json");
}

#[tokio::test]
async fn update_is_a_put_with_the_enroll_body_and_reads_success_and_message() {
    let server = MockServer::start().await;
    let face = jpeg("new-face");
    Mock::given(method("PUT"))
        .and(path("/multibiometrics/update"))
        .and(body_json(serde_json::json!({"Person": {
            "CustomID": "1234", "Face": [{"Face-1": b64(&face)}]
        }})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"Person": {
                "ClientID": "c-1", "CustomID": "1234", "BioPassID": "1648",
                "Success": true, "Message": "Person updated"
            }})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let updated = client(&server)
        .update(&Person::new(id("1234")).face(face))
        .await
        .unwrap();
    assert_eq!(updated.success, Some(true));
    assert_eq!(updated.message.as_deref(), Some("Person updated"));
    assert_headers(&only_request(&server).await, "application/json");
}

#[tokio::test]
async fn verify_sends_json_patch_content_type_once_and_reads_match_details() {
    let server = MockServer::start().await;
    let (face, thumb) = (jpeg("face"), jpeg("thumb"));
    Mock::given(method("POST"))
        .and(path("/multibiometrics/verify"))
        .and(header("content-type", "application/json-patch+json"))
        .and(body_json(serde_json::json!({"Person": {
            "CustomID": "1234",
            "Fingers": [{"Finger-1": b64(&thumb)}],
            "Face": [{"Face-1": b64(&face)}]
        }})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"Person": {
                "CustomID": "1234",
                "Match": true,
                "MatchDetails": {"FaceMatched": true, "NonMatchedFingers": ["Finger-2", "Finger-7"]}
            }})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let person = Person::new(id("1234")).face(face).finger(finger(1), thumb);
    let verification = client(&server).verify(&person).await.unwrap();

    assert!(verification.matched);
    assert_eq!(verification.custom_id, "1234");
    assert_eq!(verification.details.face_matched, Some(true));
    assert_eq!(
        verification.details.non_matched_fingers,
        [finger(2), finger(7)]
    );
    assert!(verification.details.unrecognized_fingers.is_empty());
    assert_headers(&only_request(&server).await, "application/json-patch+json");
}

#[tokio::test]
async fn delete_is_a_delete_with_a_custom_id_body() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/multibiometrics/delete"))
        .and(body_json(
            serde_json::json!({"Person": {"CustomID": "1234"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Person": {"CustomID": "1234"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let deleted = client(&server).delete(&id("1234")).await.unwrap();
    assert_eq!(deleted.custom_id, "1234");
    let request = only_request(&server).await;
    assert_headers(&request, "application/json");
    assert_eq!(
        String::from_utf8(request.body).unwrap(),
        r#"{"Person":{"CustomID":"1234"}}"#
    );
}

#[tokio::test]
async fn the_environments_and_a_custom_base_path() {
    use biopassid_client::{Environment, HOMOLOGATION_URL, PRODUCTION_URL};
    assert_eq!(
        Environment::Production.base_url(),
        "https://api.biopassid.com"
    );
    assert_eq!(PRODUCTION_URL, "https://api.biopassid.com");
    assert_eq!(
        Environment::Homologation.base_url(),
        "https://hml-api.biopassid.com"
    );
    assert_eq!(HOMOLOGATION_URL, "https://hml-api.biopassid.com");

    // A proxy with a path prefix keeps it.
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/gateway/multibiometrics/delete"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Person": {"CustomID": "1"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = biopassid_client::Client::builder(format!("{}/gateway", server.uri()))
        .subscription_key(KEY)
        .build()
        .unwrap();
    client.delete(&id("1")).await.unwrap();
}

#[tokio::test]
async fn a_success_answer_that_is_not_the_documented_shape_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"Person": {"CustomID": "1", "Match": "yes"}})),
        )
        .mount(&server)
        .await;

    let err = client(&server)
        .verify(&Person::new(id("1")).face(jpeg("f")))
        .await
        .unwrap_err();
    let biopassid_client::Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("Person.Match"));
}

#[tokio::test]
async fn with_options_adds_its_headers_to_every_call_and_leaves_the_client_as_it_was() {
    use biometric_core::{HeaderValue, header::HeaderName};
    use biopassid_client::RequestOptions;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/multibiometrics/verify"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"Person": {
                "CustomID": "1234", "Match": true,
                "MatchDetails": {"FaceMatched": true, "NonMatchedFingers": []}
            }})),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;

    let plain = client(&server);
    let traced = plain.with_options(RequestOptions::new().header(
        HeaderName::from_static("x-trace-id"),
        HeaderValue::from_static("t-42"),
    ));
    let person = Person::new(id("1234")).face(jpeg("face"));
    traced.verify(&person).await.unwrap();
    plain.verify(&person).await.unwrap();

    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(header_values(&sent[0], "x-trace-id"), ["t-42"]);
    assert_headers(&sent[0], "application/json-patch+json");
    assert!(header_values(&sent[1], "x-trace-id").is_empty());
    assert_headers(&sent[1], "application/json-patch+json");
}

#[test]
fn verdicts_are_read_whatever_the_json_type_of_their_booleans() {
    use biopassid_client::Verification;
    for (body, matched, face) in [
        (
            r#"{"CustomID":"1","Match":"True","MatchDetails":{"FaceMatched":1}}"#,
            true,
            Some(true),
        ),
        (
            r#"{"CustomID":1,"Match":0,"MatchDetails":{"FaceMatched":null}}"#,
            false,
            None,
        ),
    ] {
        let verification: Verification = serde_json::from_str(body).expect(body);
        assert_eq!(
            (verification.matched, verification.details.face_matched),
            (matched, face),
            "{body}"
        );
    }
}
