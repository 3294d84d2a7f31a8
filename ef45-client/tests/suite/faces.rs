//! Sheet Face: list (all, paged with `pageSize`, stream), a user's faces, one face by `subId`,
//! create, update, delete one or all.

use crate::common::*;
use ef45_client::{BiometricText, Face, FaceSubId};
use futures_util::TryStreamExt;
use wiremock::ResponseTemplate;

fn face_json(uuid: &str, sub_id: i64) -> serde_json::Value {
    serde_json::json!({
        "user_uuid": uuid, "sub_id": sub_id, "face_eye_width": 60, "face_feature_size": 4,
        "face_frontal_score": 0.9, "face_left_eye_x": 100, "face_right_eye_x": 160,
        "face_roll": 1.5, "face_score": 0.8, "face_LED_state": 1, "face_feature": "RkFDRQ==",
    })
}

#[tokio::test]
async fn list_page_and_stream() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/faces",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([face_json("111", 0), face_json("111", 7)]),
            1,
            5,
            false,
            2,
        )),
    )
    .await;

    let page = device.faces_page(1, Some(5)).await.unwrap();
    let all = device.faces().await.unwrap();
    let streamed: Vec<Face> = device.faces_stream(Some(5)).try_collect().await.unwrap();

    assert_eq!(page.items, all);
    assert_eq!(all, streamed);
    assert_eq!(all[0].sub_id, FaceSubId::Color);
    assert_eq!(all[0].face_led_state, 1);
    assert!(all[1].sub_id.is_unknown(), "an undocumented sub_id is kept");
    assert_eq!(all[1].sub_id.number(), 7);
    let calls = calls(&server).await;
    assert_eq!(
        query(&calls[0]),
        with_lock(&[("page", "1"), ("pageSize", "5")])
    );
    assert_eq!(query(&calls[1]), with_lock(&[]));
}

#[tokio::test]
async fn a_users_faces_and_one_face_by_sub_id() {
    let (server, device) = locked().await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/faces/111"))
        .and(wiremock::matchers::query_param("subId", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(face_json("111", 1)))
        .with_priority(5)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/1.0/faces/111",
        ResponseTemplate::new(200).set_body_json(envelope(
            serde_json::json!([face_json("111", 0), face_json("111", 1)]),
            1,
            50,
            false,
            2,
        )),
    )
    .await;

    assert_eq!(device.user_faces("111").await.unwrap().len(), 2);
    let face = device.face("111", FaceSubId::BlackWhite).await.unwrap();

    assert_eq!(face.sub_id, FaceSubId::BlackWhite);
    let calls = calls(&server).await;
    assert_eq!(query(&calls[0]), with_lock(&[]));
    assert_eq!(query(&calls[1]), with_lock(&[("subId", "1")]));
}

#[tokio::test]
async fn create_update_and_deletes() {
    let (server, device) = locked().await;
    answer(&server, "POST", "/1.0/faces", ResponseTemplate::new(201)).await;
    answer(&server, "PUT", "/1.0/faces/111", ResponseTemplate::new(204)).await;
    answer(
        &server,
        "DELETE",
        "/1.0/faces/111",
        ResponseTemplate::new(204),
    )
    .await;
    catch_all(&server).await;
    let face: Face = serde_json::from_value(face_json("111", 3)).unwrap();

    device.create_face(&face).await.unwrap();
    device.update_face(&face).await.unwrap();
    device
        .delete_face("111", FaceSubId::BlackWhite)
        .await
        .unwrap();
    device.delete_faces("111").await.unwrap();

    let calls = calls(&server).await;
    assert_eq!(
        body_json(&calls[0]),
        face_json("111", 3),
        "every table field, wire names"
    );
    assert_eq!(query(&calls[0]), with_lock(&[]));
    assert_eq!(body_json(&calls[1]), face_json("111", 3));
    assert_eq!(query(&calls[1]), with_lock(&[("subId", "3")]));
    assert_eq!(query(&calls[2]), with_lock(&[("subId", "1")]));
    assert_eq!(
        query(&calls[3]),
        with_lock(&[]),
        "all faces: no subId (spec 1.4.10)"
    );
}

#[tokio::test]
async fn the_feature_stays_out_of_debug_and_bad_uuids_are_refused() {
    let (server, device) = locked().await;
    let face = Face::new("", FaceSubId::Color, BiometricText::new("PRIVATE-FEATURE"));
    assert!(!format!("{face:?}").contains("PRIVATE-FEATURE"));
    assert!(device.create_face(&face).await.is_err());
    assert!(device.face("..", FaceSubId::Color).await.is_err());
    assert!(device.delete_faces(".").await.is_err());
    assert!(server.received_requests().await.unwrap().is_empty());
}
