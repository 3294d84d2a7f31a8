//! Verify, search, liveness, photo verify and video liveness on the wire.

use crate::common::*;
use bioid_client::{
    Direction, Error, LivenessInput, PhotoVerifyQuery, SearchQuery, VerificationLevel,
};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn verify_sends_one_image_object() {
    let server = MockServer::start().await;
    let image = jpeg("probe");
    Mock::given(method("POST"))
        .and(path("/api/face/v1/verify/77"))
        .and(body_json(serde_json::json!({"image": b64(&image)})))
        .respond_with(bws(200).set_body_json(serde_json::json!({
            "status": "SUCCEEDED", "errors": [],
            "imageProperties": {"rotated": 0, "faces": [{"leftEye": {"x": 10.5, "y": 20}}], "qualityScore": 0.9},
            "verified": true, "score": 0.93
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let body = client(&server)
        .verify(class(77), image)
        .send()
        .await
        .unwrap()
        .body;
    assert!(body.verified);
    assert_eq!(body.score, 0.93);
    assert_eq!(body.image_properties.unwrap().faces[0].left_eye.x, 10.5);
}

#[tokio::test]
async fn search_sends_images_tags_and_top_matches() {
    let server = MockServer::start().await;
    let image = jpeg("who");
    Mock::given(method("POST"))
        .and(path("/api/face/v1/search"))
        .and(body_json(serde_json::json!({"images": [{"image": b64(&image)}], "tags": ["staff"], "topMatches": true})))
        .respond_with(bws(200).set_body_json(serde_json::json!({
            "status": "SUCCEEDED",
            "result": [{"matches": [{"classId": "4711", "score": 0.97}, {"classId": 12, "score": 0.4}]}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let body = client(&server)
        .search(SearchQuery::new([image]).tags(["staff"]).top_matches(true))
        .send()
        .await
        .unwrap()
        .body;
    let matches = &body.result[0].matches;
    assert_eq!(matches[0].class_id, Some(class(4711)));
    assert_eq!(matches[1].class_id, Some(class(12)));
}

#[tokio::test]
async fn liveness_sends_one_two_or_challenge_images() {
    let server = MockServer::start().await;
    let (a, b) = (jpeg("a"), jpeg("b"));
    let answer = bws(200).set_body_json(
        serde_json::json!({"status": "SUCCEEDED", "live": true, "livenessScore": 0.88}),
    );
    for body in [
        serde_json::json!({"liveImages": [{"image": b64(&a)}]}),
        serde_json::json!({"liveImages": [{"image": b64(&a)}, {"image": b64(&b)}]}),
        serde_json::json!({"liveImages": [{"image": b64(&a)}, {"image": b64(&b), "tags": ["left"]}]}),
    ] {
        Mock::given(method("POST"))
            .and(path("/api/v1/livenessdetection"))
            .and(body_json(body))
            .respond_with(answer.clone())
            .expect(1)
            .mount(&server)
            .await;
    }
    catch_all(&server).await;
    let client = client(&server);

    for input in [
        LivenessInput::Passive(a.clone()),
        LivenessInput::Active(a.clone(), b.clone()),
        LivenessInput::Challenge {
            first: a.clone(),
            second: b.clone(),
            direction: Direction::Left,
        },
    ] {
        let body = client.liveness(input).send().await.unwrap().body;
        assert!(body.live);
        assert_eq!(body.liveness_score, 0.88);
    }
}

#[tokio::test]
async fn photo_verify_sends_live_images_and_photo() {
    let server = MockServer::start().await;
    let (live, photo) = (jpeg("live"), jpeg("id card"));
    Mock::given(method("POST"))
        .and(path("/api/v1/photoverify"))
        .and(body_json(serde_json::json!({
            "liveImages": [{"image": b64(&live)}], "photo": b64(&photo), "disableLivenessDetection": true
        })))
        .respond_with(bws(200).set_body_json(serde_json::json!({
            "status": "SUCCEEDED", "verificationLevel": "LEVEL_4", "verificationScore": 0.91,
            "live": false, "livenessScore": 0, "photoProperties": {"qualityScore": 0.7}
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let body = client(&server)
        .photo_verify(PhotoVerifyQuery::new([live], photo).disable_liveness_detection())
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(body.verification_level, VerificationLevel::Level4);
    assert!(body.verification_level >= VerificationLevel::Level4);
    assert_eq!(body.photo_properties.unwrap().quality_score, 0.7);
}

#[tokio::test]
async fn photo_verify_and_search_refuse_wrong_image_counts_before_io() {
    let server = MockServer::start().await;
    let client = client(&server);
    let (a, photo) = (jpeg("a"), jpeg("p"));

    let none = client
        .photo_verify(PhotoVerifyQuery::new([], photo.clone()))
        .send()
        .await
        .unwrap_err();
    let three = client
        .photo_verify(PhotoVerifyQuery::new(
            [a.clone(), a.clone(), a.clone()],
            photo,
        ))
        .send()
        .await
        .unwrap_err();
    let empty_search = client
        .search(SearchQuery::new([]))
        .send()
        .await
        .unwrap_err();
    let empty_video = client.video_liveness(Vec::new()).send().await.unwrap_err();

    for (err, field) in [
        (none, "live_images"),
        (three, "live_images"),
        (empty_search, "images"),
        (empty_video, "video"),
    ] {
        assert!(
            matches!(&err, Error::InvalidRequest { field: f, .. } if f == field),
            "{err}"
        );
    }
    assert_eq!(
        client
            .photo_verify(PhotoVerifyQuery::new([], jpeg("p")))
            .send()
            .await
            .unwrap_err()
            .to_string(),
        "invalid request: `live_images` must hold 1 to 2 images (found 0); nothing was sent"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn video_liveness_sends_the_video_as_base64() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/videolivenessdetection"))
        .and(body_json(serde_json::json!({"video": "AAECAw=="})))
        .respond_with(
            bws(200).set_body_json(serde_json::json!({"status": "SUCCEEDED", "live": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    assert!(
        client(&server)
            .video_liveness(vec![0u8, 1, 2, 3])
            .send()
            .await
            .unwrap()
            .body
            .live
    );
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<bioid_client::Client>();
    check::<bioid_client::Request<bioid_client::Enrollment>>();
    check::<bioid_client::Response<bioid_client::PhotoVerification>>();
    check::<bioid_client::SearchQuery>();
    check::<bioid_client::LivenessInput>();
}
