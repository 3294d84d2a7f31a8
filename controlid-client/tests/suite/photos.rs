//! User photos: upload checks, scores, rejections, download, delete, list.

use crate::common::*;
use controlid_client::{Error, Image, PhotoRejection};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn jpeg(len: usize) -> Image {
    let mut data = vec![0xFF, 0xD8, 0xFF, 0xE0];
    data.resize(len, 7);
    Image::from_bytes(data)
}

async fn device() -> MockServer {
    let server = MockServer::start().await;
    sessions(&server, &["s"]).await;
    server
}

#[tokio::test]
async fn upload_sends_raw_jpeg_with_user_match_and_timestamp() {
    let server = device().await;
    let photo = jpeg(5000);
    Mock::given(method("POST"))
        .and(path("/user_set_image.fcgi"))
        .and(query_param("user_id", "42"))
        .and(query_param("match", "1"))
        .and(query_param("session", "s"))
        .and(header("content-type", "application/octet-stream"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "user_id": 42, "success": true,
            "scores": {"bounds_width": 259, "horizontal_center_offset": 19, "vertical_center_offset": -26,
                       "center_pose_quality": 1000, "sharpness_quality": 998}
        })))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;

    let scores = client(&server)
        .set_user_image(user(42), &photo, true)
        .await
        .unwrap();

    assert_eq!(scores.sharpness_quality, Some(998));
    assert_eq!(scores.vertical_center_offset, Some(-26));
    let sent = &requests_to(&server, "/user_set_image.fcgi").await[0];
    assert_eq!(sent.body, photo.bytes().to_vec());
    let timestamp: i64 = sent
        .url
        .query_pairs()
        .find(|(k, _)| k == "timestamp")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(timestamp > 1_700_000_000);
}

#[tokio::test]
async fn a_refused_photo_is_an_error_with_typed_reasons_whether_200_or_400() {
    for status in [200u16, 400] {
        let server = device().await;
        Mock::given(path("/user_set_image.fcgi"))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(serde_json::json!({
                    "success": false, "errors": [{"code": 2, "message": "Face not detected"}]
                })),
            )
            .mount(&server)
            .await;

        let err = client(&server)
            .set_user_image(user(1), &jpeg(100), false)
            .await
            .unwrap_err();

        let rejection = PhotoRejection::from_error(&err).expect("a rejection");
        assert!(rejection.problems[0].is_face_not_detected(), "{status}");
        assert_eq!(rejection.problems[0].message, "Face not detected");
        let api = err.as_api().unwrap();
        assert_eq!(
            (api.code.as_deref(), api.message.as_deref()),
            (Some("2"), Some("Face not detected"))
        );
    }
}

#[tokio::test]
async fn only_jpegs_under_one_megabyte_are_sent() {
    let server = MockServer::start().await;
    let device = client(&server);

    let png = Image::from_bytes(b"\x89PNG\r\n\x1a\n....".to_vec());
    let too_big = jpeg(1_000_000);
    let just_under = jpeg(999_999);

    for photo in [png, too_big] {
        let err = device
            .set_user_image(user(1), &photo, false)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "photo"),
            "{err}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(controlid_client::MAX_PHOTO.allows(just_under.len() as u64));
}

#[tokio::test]
async fn download_delete_and_list() {
    let server = device().await;
    let photo = jpeg(300);
    Mock::given(method("GET"))
        .and(path("/user_get_image.fcgi"))
        .and(query_param("user_id", "42"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(photo.bytes().to_vec(), "image/jpeg"))
        .mount(&server)
        .await;
    Mock::given(path("/user_destroy_image.fcgi"))
        .and(body_json(serde_json::json!({"user_id": 42})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/user_list_images.fcgi"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"user_ids": [42, 43]})),
        )
        .mount(&server)
        .await;
    catch_all(&server).await;
    let device = client(&server);

    assert_eq!(device.user_image(user(42)).await.unwrap(), photo);
    device.destroy_user_image(user(42)).await.unwrap();
    assert_eq!(
        device.users_with_images().await.unwrap(),
        [user(42), user(43)]
    );
}
