//! Enrollment: the request on the wire, the documented response, job failures, validation.

use crate::common::*;
use bioid_client::{
    ClassId, EnrollImage, EnrollmentAction, Error, Image, JobOutcome, JobStatus, StatusCode,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

const DOCUMENTED: &str = include_str!("../fixtures/enroll-response-documented.json");
const FAILED: &str = include_str!("../fixtures/enroll-failed.json");

#[tokio::test]
async fn enroll_sends_an_array_of_images_with_tags_and_the_reference_number() {
    let server = MockServer::start().await;
    let (front, side) = (jpeg("front"), jpeg("side"));
    Mock::given(method("POST"))
        .and(path("/api/face/v1/enroll/4711"))
        .and(header("reference-number", "signup-1"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!([
            {"image": b64(&front), "tags": ["kiosk", "lobby"]},
            {"image": b64(&side)}
        ])))
        .respond_with(
            bws(200)
                .insert_header("reference-number", "signup-1")
                .set_body_string(DOCUMENTED),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let images = vec![
        EnrollImage::new(front).tags(["kiosk", "lobby"]),
        EnrollImage::new(side),
    ];
    let response = client(&server)
        .enroll(class(4711), images)
        .reference_number("signup-1")
        .send()
        .await
        .unwrap();

    assert_eq!(response.meta.reference_number.as_deref(), Some("signup-1"));
    assert_eq!(
        response.meta.job_id.unwrap().to_string(),
        "3f2b8c1e-5d7a-4b9e-8c2d-1a2b3c4d5e6f"
    );
    assert_eq!(response.meta.bws_version.as_deref(), Some("3.4.1"));
    assert_eq!(
        response.meta.date.unwrap().to_rfc3339(),
        "2026-11-22T03:00:00+00:00"
    );
}

#[tokio::test]
async fn the_documented_response_example_decodes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(bws(200).set_body_string(DOCUMENTED))
        .mount(&server)
        .await;

    let enrollment = client(&server)
        .enroll(class(1), [jpeg("a")])
        .send()
        .await
        .unwrap()
        .body;

    assert_eq!(enrollment.status, JobStatus::Succeeded);
    assert_eq!(enrollment.errors[0].error_code, "string");
    let properties = &enrollment.image_properties[0];
    assert_eq!(properties.faces.len(), 1);
    assert_eq!(properties.quality_assessments[0].check, "string");
    assert_eq!(
        enrollment.performed_action,
        Some(EnrollmentAction::NoAction)
    );
    let debug = format!("{enrollment:?}");
    assert!(
        debug.contains("performed_action: Some(NoAction)"),
        "{debug}"
    );
    assert!(!debug.contains("Some(None)"), "{debug}");
    assert_eq!(enrollment.enrolled_images, 0);
    let template = enrollment.template_status.unwrap();
    assert!(template.available);
    assert_eq!(template.tags, ["string"]);
    assert_eq!(template.thumbnails.len(), 1);
}

#[tokio::test]
async fn an_empty_array_asks_for_status_and_upgrade() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(serde_json::json!([])))
        .respond_with(bws(200).set_body_json(
            serde_json::json!({"status": "SUCCEEDED", "performedAction": "TEMPLATE_UPGRADED"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let response = client(&server)
        .enroll(class(9), Vec::<Image>::new())
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.body.performed_action,
        Some(EnrollmentAction::TemplateUpgraded)
    );
}

#[tokio::test]
async fn a_job_failure_with_http_200_is_visible_and_easy_to_turn_into_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(bws(200).set_body_string(FAILED))
        .mount(&server)
        .await;

    let response = client(&server)
        .enroll(class(5), [jpeg("no face")])
        .send()
        .await
        .unwrap();
    assert!(response.body.is_failed());
    assert_eq!(
        response.body.performed_action,
        Some(EnrollmentAction::EnrollmentFailed)
    );
    assert_eq!(
        response.body.image_properties[0]
            .checks_scoring_below(0.5)
            .map(|q| q.check.as_str())
            .collect::<Vec<_>>(),
        ["FaceFound"]
    );

    // No pass mark is documented: the caller's threshold decides, on the reported scores.
    let properties = &response.body.image_properties[0];
    assert_eq!(properties.checks_scoring_below(0.0).count(), 0);
    assert_eq!(
        properties.quality_assessments[0].message, "No face found",
        "reported as sent"
    );

    let err = response.into_succeeded().unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.code.as_deref(), Some("NoSuitableFaceImage"));
    assert_eq!(api.message.as_deref(), Some("No suitable face image found"));
    assert_eq!(&api.body[..], FAILED.as_bytes());
}

#[tokio::test]
async fn unknown_server_values_do_not_fail_the_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(bws(200).set_body_json(serde_json::json!({
            "status": "PARTIALLY_SUCCEEDED",
            "performedAction": "TEMPLATE_MERGED",
            "someNewField": {"x": 1}
        })))
        .mount(&server)
        .await;

    let body = client(&server)
        .enroll(class(5), [jpeg("x")])
        .send()
        .await
        .unwrap()
        .body;
    assert!(body.status.is_unknown());
    assert_eq!(body.status.as_str(), "PARTIALLY_SUCCEEDED");
    let action = body.performed_action.clone().expect("an action");
    assert!(action.is_unknown());
    assert_eq!(action.as_str(), "TEMPLATE_MERGED");
    assert!(body.is_failed(), "only SUCCEEDED counts as success");
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_io() {
    let server = MockServer::start().await;
    let client = client(&server);

    assert!(matches!(ClassId::new(0), Err(Error::InvalidRequest { .. })));

    // 38 MB of image is more than 50 MB of base64 JSON.
    let huge = Image::from_bytes(vec![0u8; 38_000_000]);
    let err = client.enroll(class(1), [huge]).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, rule, .. } if field == "request body" && rule.contains("at most 50 MB")),
        "{err}"
    );

    let err = client
        .enroll(class(1), [jpeg("x")])
        .reference_number("line\nbreak")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { field, .. } if field == "reference_number"),
        "{err}"
    );

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_request_can_be_awaited_directly() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(bws(200).set_body_string(DOCUMENTED))
        .mount(&server)
        .await;

    let response = client(&server).enroll(class(2), [jpeg("y")]).await.unwrap();
    assert_eq!(response.body.status, JobStatus::Succeeded);
}
