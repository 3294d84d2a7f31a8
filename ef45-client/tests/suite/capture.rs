//! Sheets Camera, Biometric-data and Preview, and enrolment by capture.

use std::time::Duration;

use crate::common::*;
use ef45_client::chrono::NaiveDate;
use ef45_client::{
    BitmapKind, CameraMode, CameraSettings, CaptureEnrollment, CaptureModes, CaptureOutcome,
    CaptureStep, DataVersion, Error, FaceSubId, Image, Subject,
};
use wiremock::ResponseTemplate;

fn outcome(success: bool, status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"success": success, "status": status}))
}

fn buffer(items: serde_json::Value) -> ResponseTemplate {
    let total = items.as_array().map_or(0, Vec::len) as u64;
    ResponseTemplate::new(200).set_body_json(envelope(items, 1, 1, false, total))
}

#[tokio::test]
async fn camera_settings_read_and_written_as_the_sheets_examples() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/camera",
        ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"serial_number":"EB0022A002929","camera_mode":"Recog","audio_enabled":true}
        )),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/camera",
        outcome(true, "Success set mode"),
    )
    .await;

    let settings = device.camera().await.unwrap();
    let status = device.set_camera_mode(CameraMode::Slave).await.unwrap();

    assert_eq!(settings.camera_mode, CameraMode::Recog);
    assert_eq!(status, "Success set mode");
    // Body Example: {"serial_number":"EB0022A002929","camera_mode":"Slave","audio_enabled":true}
    // (calls: GET camera, then set_camera_mode's GET camera and POST camera)
    assert_eq!(
        body_json(&calls(&server).await[2]),
        serde_json::json!({"serial_number":"EB0022A002929","camera_mode":"Slave","audio_enabled":true})
    );
}

#[tokio::test]
async fn device_time_goes_in_the_path_as_mmddhhmmyyyy_ss() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/camera/control/setDeviceTime/052014402018.30",
        outcome(true, ""),
    )
    .await;

    let at = NaiveDate::from_ymd_opt(2018, 5, 20)
        .unwrap()
        .and_hms_opt(14, 40, 30)
        .unwrap();
    device.set_device_time(at).await.unwrap();

    assert_eq!(query(&only_call(&server).await), with_lock(&[]));
}

#[tokio::test]
async fn start_sends_the_four_modes_and_refuses_none_before_any_io() {
    let (server, device) = locked().await;
    answer(
        &server,
        "POST",
        "/1.0/camera/control/start",
        outcome(true, "Started camera"),
    )
    .await;

    let err = device.start_camera(CaptureModes::new()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    assert!(calls(&server).await.is_empty());

    let status = device
        .start_camera(CaptureModes::new().face().either_eye())
        .await
        .unwrap();

    assert_eq!(status, "Started camera");
    // The sheet's URL: face_mode=true&glasses_mode=false&both_eye_mode=false&either_eye_mode=true
    assert_eq!(
        query(&only_call(&server).await),
        with_lock(&[
            ("both_eye_mode", "false"),
            ("either_eye_mode", "true"),
            ("face_mode", "true"),
            ("glasses_mode", "false"),
        ])
    );
}

#[tokio::test]
async fn a_start_refused_by_the_device_is_an_api_error_with_its_text() {
    let (server, device) = locked().await;
    let refusal = "Please first chagne mode to Slave(Enrollment)";
    answer(
        &server,
        "POST",
        "/1.0/camera/control/start",
        outcome(false, refusal),
    )
    .await;

    let err = device
        .start_camera(CaptureModes::new().both_eyes())
        .await
        .unwrap_err();

    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message.as_deref(), Some(refusal));
}

#[tokio::test]
async fn stop_and_match_template_use_the_sheets_paths() {
    let (server, device) = locked().await;
    let seq = "1c0539ba-c50a-4bc7-b174-2e9faee8d596";
    answer(
        &server,
        "POST",
        "/1.0/camera/control/stop",
        outcome(true, "Stopped camera"),
    )
    .await;
    answer(
        &server,
        "POST",
        &format!("/1.0/camera/control/start/matchtemplate/{seq}"),
        outcome(true, "Started matching template"),
    )
    .await;

    assert_eq!(device.stop_camera().await.unwrap(), "Stopped camera");
    let status = device
        .start_match_template(seq, &Subject::new("1010", "uk"))
        .await
        .unwrap();

    assert_eq!(status, "Started matching template");
    let body = body_json(&calls(&server).await[1]);
    assert_eq!(
        (body["user_uuid"].as_str(), body["last_name"].as_str()),
        (Some("1010"), Some("uk"))
    );
}

#[tokio::test]
async fn a_biometric_data_item_reads_every_group_with_the_vendors_spelling() {
    let (server, device) = locked().await;
    let item = fixture_json("biometric_data_item.json");
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver1",
        buffer(serde_json::json!([item])),
    )
    .await;

    let data = device.biometric_data(DataVersion::Ver1).await.unwrap();

    let [capture] = &data[..] else {
        panic!("{data:?}")
    };
    assert_eq!(capture.encounter_id, "5da3c96c-5d18-11e8-b8ae-503f98000288");
    assert_eq!(capture.left_eye.template.as_str(), "SVJJUw==");
    assert_eq!(capture.right_eye.quality_score, Some(91.0));
    assert_eq!(
        capture.left_eye.duplicate_uuid, None,
        "\"\" is no duplicate"
    );
    assert_eq!(
        capture.left_eye.image.as_ref().unwrap().format(),
        biometric_core::ImageFormat::Jpeg
    );
    assert_eq!(capture.faces.far_off.feature.as_str(), "RkFDRQ==");
    assert_eq!(
        capture.faces.far_on.led_state,
        Some(1),
        "far_on_face_LED_state"
    );
    assert_eq!(capture.faces.near_off.image, None, "an empty image is none");
    assert_eq!(capture.body_temperature.as_deref(), Some("36.5"));
    assert_eq!(capture.right_pupil_diameter, Some(61));
    assert_eq!(capture.record_version, Some(8976));
    assert!(
        capture.unknown_keys.is_empty(),
        "{:?}",
        capture.unknown_keys
    );
    let debug = format!("{capture:?}");
    assert!(
        !debug.contains("SVJJUw==") && !debug.contains("/9j/"),
        "{debug}"
    );
}

#[tokio::test]
async fn each_endpoint_version_has_its_path_and_an_empty_buffer_is_empty() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data",
        buffer(serde_json::json!([])),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver2",
        buffer(serde_json::json!([])),
    )
    .await;

    assert!(
        device
            .biometric_data(DataVersion::Original)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        device
            .biometric_data(DataVersion::Ver2)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_item_without_encounter_id_or_with_a_bad_image_is_a_decode_error() {
    let (server, device) = locked().await;
    let mut item = fixture_json("biometric_data_item.json");
    item.as_object_mut().unwrap().remove("encounter_id");
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver1",
        buffer(serde_json::json!([item])),
    )
    .await;
    let mut bad = fixture_json("biometric_data_item.json");
    bad["left_eye"] = "not base64!".into();
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver2",
        buffer(serde_json::json!([bad])),
    )
    .await;

    for version in [DataVersion::Ver1, DataVersion::Ver2] {
        let err = device.biometric_data(version).await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert!(!decode.body.is_empty(), "the raw body is kept");
    }
}

#[tokio::test]
async fn buffer_deletes_bitmaps_and_files_use_the_sheets_calls() {
    let (server, device) = locked().await;
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0];
    answer(
        &server,
        "DELETE",
        "/1.0/biometric-data/5da3c96c-5d18-11e8-b8ae-503f98000288",
        ResponseTemplate::new(204),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/biometric-data/save-8bmp",
        ResponseTemplate::new(200).set_body_json(envelope(serde_json::json!([]), 1, 0, false, 0)),
    )
    .await;
    answer(
        &server,
        "PUT",
        "/1.0/biometric-data/save-file",
        ResponseTemplate::new(200),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/load-file",
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"file": "iVBORw0KGgoAAA==", "size": 10})),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/1.0/biometric-data/delete-file",
        ResponseTemplate::new(204),
    )
    .await;
    let logo = "/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png";

    device
        .delete_biometric_data("5da3c96c-5d18-11e8-b8ae-503f98000288")
        .await
        .unwrap();
    let bmp = Image::from_bytes(vec![b'B', b'M', 0, 0]);
    device
        .save_bitmap(
            BitmapKind::Iris8Bit,
            "/usr/local/share/CMITECH/Images/righteye.bmp",
            &bmp,
            640,
            480,
        )
        .await
        .unwrap();
    device.save_file(logo, &png).await.unwrap();
    let loaded = device.load_file(logo).await.unwrap();
    device.delete_file(logo).await.unwrap();

    assert_eq!(&loaded[..], &png);
    let calls = calls(&server).await;
    assert_eq!(
        body_json(&calls[1]),
        serde_json::json!({"filename": "/usr/local/share/CMITECH/Images/righteye.bmp",
                           "height": 480, "image": "Qk0AAA==", "width": 640})
    );
    assert_eq!(query(&calls[2]), with_lock(&[("filename", logo)]));
    assert_eq!(
        body_json(&calls[2]),
        serde_json::json!({"file": "iVBORw0KGgoAAA==", "size": 10})
    );
}

#[tokio::test]
async fn files_breaking_the_sheets_table_are_refused_before_any_io() {
    let (server, device) = locked().await;
    let logo = "/usr/local/share/CMITECH/gui/logo/pc_enroll_logo.png";
    let jpeg = [0xff, 0xd8, 0xff, 0xe0];
    let mut big_png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    big_png.resize(768_000 + 1, 0);

    let refusals = [
        device.save_file(logo, &jpeg).await.unwrap_err(),
        device.save_file(logo, &big_png).await.unwrap_err(),
        device
            .save_file(
                "/usr/local/share/CMITECH/Images/1_faroff.jpg",
                &big_png[..8],
            )
            .await
            .unwrap_err(),
        device.save_file("x.bin", &[]).await.unwrap_err(),
        device.load_file("").await.unwrap_err(),
        device.delete_file("a\nb").await.unwrap_err(),
    ];

    for err in refusals {
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_loaded_file_whose_size_disagrees_is_a_decode_error() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/load-file",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"file": "AAAA", "size": 5744})),
    )
    .await;

    let err = device.load_file("/x.png").await.unwrap_err();

    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path.as_deref(), Some("size"));
}

#[tokio::test]
async fn no_preview_frame_is_none_and_a_frame_reads_its_images() {
    let (server, device) = locked().await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/preview"))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/1.0/preview",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "left_eye": "/9j/4AAQ", "right_eye": "", "face_image": "/9j/4AAQ", "avg_distance": 31,
            "left_iris_radius": 110, "message": 3, "switch_flag": false,
        })),
    )
    .await;

    assert_eq!(device.preview().await.unwrap(), None);
    let frame = device.preview().await.unwrap().unwrap();

    assert!(frame.left_eye.is_some() && frame.right_eye.is_none());
    assert_eq!((frame.avg_distance, frame.message), (Some(31), Some(3)));
}

#[tokio::test]
async fn the_frame_stream_skips_empty_polls() {
    use futures_util::StreamExt;
    let (server, device) = locked().await;
    wiremock::Mock::given(wiremock::matchers::path("/1.0/preview"))
        .respond_with(ResponseTemplate::new(200).set_body_string(""))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/1.0/preview",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"avg_distance": 7})),
    )
    .await;

    let mut frames = std::pin::pin!(device.preview_frames(Duration::from_millis(1)));
    let frame = frames.next().await.unwrap().unwrap();

    assert_eq!(frame.avg_distance, Some(7));
    assert_eq!(
        calls(&server).await.len(),
        3,
        "two empty polls, then the frame"
    );
}

/// The device side of a whole enrolment: camera in Recog, one stale capture in the buffer,
/// then an empty buffer twice, then the capture; the duplication check names `duplicate`.
async fn enrolment_device(
    server: &wiremock::MockServer,
    capture: serde_json::Value,
    duplicate: &str,
) {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    answer(
        server,
        "GET",
        "/1.0/camera",
        ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"serial_number":"EB0022A002929","camera_mode":"Recog","audio_enabled":true}
        )),
    )
    .await;
    answer(
        server,
        "POST",
        "/1.0/camera",
        outcome(true, "Success set mode"),
    )
    .await;
    answer(
        server,
        "POST",
        "/1.0/camera/control/start",
        outcome(true, "Started camera"),
    )
    .await;
    answer(
        server,
        "POST",
        "/1.0/camera/control/stop",
        outcome(true, "Stopped camera"),
    )
    .await;
    let mut stale = fixture_json("biometric_data_item.json");
    stale["encounter_id"] = "stale-capture".into();
    for (priority, items) in [
        (1u8, serde_json::json!([stale])),
        (2, serde_json::json!([])),
        (3, serde_json::json!([])),
    ] {
        Mock::given(method("GET"))
            .and(path("/1.0/biometric-data/ver1"))
            .respond_with(buffer(items))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/1.0/biometric-data/ver1"))
        .respond_with(buffer(serde_json::json!([capture])))
        .with_priority(4)
        .mount(server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
    answer(server, "POST", "/1.0/subjects", ResponseTemplate::new(201)).await;
    answer(server, "POST", "/1.0/faces", ResponseTemplate::new(201)).await;
    answer(
        server,
        "PUT",
        "/1.0/subjects/is-exist/template",
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"duplicate_uuid": duplicate})),
    )
    .await;
}

#[tokio::test]
async fn enrolment_by_capture_walks_the_documented_sequence() {
    let (server, device) = locked().await;
    enrolment_device(&server, fixture_json("biometric_data_item.json"), "").await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(1));

    let outcome = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap();

    let CaptureOutcome::Enrolled { subject, faces, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(subject.left_eye_template.as_str(), "SVJJUw==");
    assert_eq!(subject.record_version, Some(8976));
    let sub_ids: Vec<_> = faces.iter().map(|f| f.sub_id).collect();
    assert_eq!(
        sub_ids,
        [FaceSubId::Color, FaceSubId::BlackWhite],
        "the faces with a feature"
    );
    let steps: Vec<String> = calls(&server)
        .await
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path().trim_start_matches("/1.0/")))
        .collect();
    assert_eq!(
        steps,
        [
            "GET camera",
            "POST camera",
            "GET biometric-data/ver1",
            "DELETE biometric-data/stale-capture",
            "POST camera/control/start",
            "GET biometric-data/ver1",
            "GET biometric-data/ver1",
            "GET biometric-data/ver1",
            "PUT subjects/is-exist/template",
            "POST subjects",
            "POST faces",
            "POST faces",
            "DELETE biometric-data/5da3c96c-5d18-11e8-b8ae-503f98000288",
            "POST camera",
        ]
    );
    let calls = calls(&server).await;
    assert_eq!(body_json(&calls[1])["camera_mode"], "Slave");
    assert_eq!(
        body_json(calls.last().unwrap())["camera_mode"],
        "Recog",
        "the mode the enrolment found is put back"
    );
}

#[tokio::test]
async fn a_capture_the_device_names_as_a_duplicate_creates_nothing() {
    let (server, device) = locked().await;
    enrolment_device(&server, fixture_json("biometric_data_item.json"), "777").await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(1));

    let outcome = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap();

    assert!(
        matches!(&outcome, CaptureOutcome::Duplicate { duplicate_of, .. } if duplicate_of == "777")
    );
    let check = &requests_to(&server, "/1.0/subjects/is-exist/template").await[0];
    assert_eq!(
        body_json(check)["left_eye_template"],
        "SVJJUw==",
        "the captured templates"
    );
    assert!(requests_to(&server, "/1.0/subjects").await.is_empty());
    assert!(requests_to(&server, "/1.0/faces").await.is_empty());
    assert_eq!(
        requests_to(
            &server,
            "/1.0/biometric-data/5da3c96c-5d18-11e8-b8ae-503f98000288"
        )
        .await
        .len(),
        1,
        "the capture is still acknowledged"
    );
}

#[tokio::test]
async fn a_capture_with_an_error_message_is_unusable_and_creates_nothing() {
    let (server, device) = locked().await;
    let mut capture = fixture_json("biometric_data_item.json");
    capture["error_message"] = "Capture failed".into();
    enrolment_device(&server, capture, "").await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(1));

    let outcome = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap();

    assert!(
        matches!(&outcome, CaptureOutcome::Unusable { reason, .. } if reason == "Capture failed")
    );
    assert!(requests_to(&server, "/1.0/subjects").await.is_empty());
    assert_tidied(&server).await;
}

/// The capture was deleted from the buffer and the camera put back in `Recog`, its mode before.
async fn assert_tidied(server: &wiremock::MockServer) {
    let capture = "/1.0/biometric-data/5da3c96c-5d18-11e8-b8ae-503f98000288";
    assert_eq!(
        requests_to(server, capture).await.len(),
        1,
        "the capture is deleted from the buffer"
    );
    assert_camera_restored(server).await;
}

async fn assert_camera_restored(server: &wiremock::MockServer) {
    let modes: Vec<serde_json::Value> = requests_to(server, "/1.0/camera")
        .await
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| body_json(r)["camera_mode"].clone())
        .collect();
    assert_eq!(modes, ["Slave", "Recog"], "switched, then put back");
}

#[tokio::test]
async fn a_failed_face_record_rolls_the_enrolment_back() {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    let (server, device) = locked().await;
    // The second face record is refused: the first one and the subject are deleted again.
    Mock::given(method("POST"))
        .and(path("/1.0/faces"))
        .respond_with(ResponseTemplate::new(201))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/1.0/faces"))
        .respond_with(ResponseTemplate::new(500).set_body_string("disk full"))
        .with_priority(2)
        .mount(&server)
        .await;
    enrolment_device(&server, fixture_json("biometric_data_item.json"), "").await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(1));

    let err = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap_err();

    assert_eq!(err.step, CaptureStep::CreateFace, "{err}");
    assert!(err.left.is_empty(), "{err}");
    assert!(
        err.to_string().contains("nothing was left on the device"),
        "{err}"
    );
    let deletes: Vec<String> = calls(&server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    for face in ["/1.0/faces/1001?subId=0&", "/1.0/faces/1001?subId=1&"] {
        assert!(
            deletes.iter().any(|d| d.starts_with(face)),
            "{face}: {deletes:?}"
        );
    }
    assert!(
        deletes.iter().any(|d| d.starts_with("/1.0/subjects/1001?")),
        "{deletes:?}"
    );
    assert_tidied(&server).await;
}

#[tokio::test]
async fn a_rollback_that_fails_says_exactly_what_is_left() {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    let (server, device) = locked().await;
    Mock::given(method("POST"))
        .and(path("/1.0/faces"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/1.0/subjects/1001"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    enrolment_device(&server, fixture_json("biometric_data_item.json"), "").await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(1));

    let err = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap_err();

    assert_eq!(err.step, CaptureStep::CreateFace);
    assert_eq!(err.left.subject.as_deref(), Some("1001"), "{err}");
    assert!(
        err.left.faces.is_empty(),
        "the face delete succeeded: {err}"
    );
    assert!(err.to_string().contains("subject 1001"), "{err}");
    assert_tidied(&server).await;
}

#[tokio::test]
async fn a_leftover_capture_that_stays_in_the_buffer_is_not_taken_for_the_new_one() {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/camera",
        ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"serial_number":"EB0022A002929","camera_mode":"Slave","audio_enabled":true}
        )),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/camera/control/start",
        outcome(true, "Started camera"),
    )
    .await;
    let mut stale = fixture_json("biometric_data_item.json");
    stale["encounter_id"] = "stale-capture".into();
    stale["left_eye_iris_template"] = "U1RBTEU=".into();
    // The leftover cannot be deleted: it stays first in every answer.
    Mock::given(method("DELETE"))
        .and(path("/1.0/biometric-data/stale-capture"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    for (priority, items) in [
        (1u8, serde_json::json!([stale])),
        (2, serde_json::json!([stale])),
    ] {
        Mock::given(method("GET"))
            .and(path("/1.0/biometric-data/ver1"))
            .respond_with(buffer(items))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    let fresh = fixture_json("biometric_data_item.json");
    Mock::given(method("GET"))
        .and(path("/1.0/biometric-data/ver1"))
        .respond_with(buffer(serde_json::json!([stale, fresh])))
        .with_priority(3)
        .mount(&server)
        .await;
    answer(&server, "POST", "/1.0/subjects", ResponseTemplate::new(201)).await;
    answer(&server, "POST", "/1.0/faces", ResponseTemplate::new(201)).await;
    let options = CaptureEnrollment::new()
        .poll_interval(Duration::from_millis(1))
        .allow_duplicates(true);

    let outcome = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap();

    let CaptureOutcome::Enrolled { subject, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        subject.left_eye_template.as_str(),
        "SVJJUw==",
        "the new capture"
    );
    assert!(
        requests_to(&server, "/1.0/camera")
            .await
            .iter()
            .all(|r| r.method.as_str() == "GET"),
        "already in Slave mode: nothing to switch or restore"
    );
}

#[tokio::test]
async fn a_cancelled_enrolment_stops_the_camera_and_restores_its_mode() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/camera",
        ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"serial_number":"EB0022A002929","camera_mode":"Recog","audio_enabled":true}
        )),
    )
    .await;
    for (verb, to, status) in [
        ("POST", "/1.0/camera", "Success set mode"),
        ("POST", "/1.0/camera/control/start", "Started camera"),
        ("POST", "/1.0/camera/control/stop", "Stopped camera"),
    ] {
        answer(&server, verb, to, outcome(true, status)).await;
    }
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver1",
        buffer(serde_json::json!([])),
    )
    .await;
    let options = CaptureEnrollment::new().poll_interval(Duration::from_millis(5));
    let enrolment = tokio::spawn({
        let device = device.clone();
        async move {
            device
                .enroll_by_capture(Subject::new("1001", "Kim"), options)
                .await
        }
    });
    while requests_to(&server, "/1.0/camera/control/start")
        .await
        .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    enrolment.abort();
    assert!(enrolment.await.unwrap_err().is_cancelled());

    // The clean-up runs in the background: wait for it (bounded).
    for _ in 0..400 {
        let posts = requests_to(&server, "/1.0/camera")
            .await
            .into_iter()
            .filter(|r| r.method.as_str() == "POST")
            .count();
        if posts == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        requests_to(&server, "/1.0/camera/control/stop").await.len(),
        1
    );
    assert_camera_restored(&server).await;
}

#[tokio::test]
async fn no_capture_within_the_timeout_stops_the_camera_and_times_out() {
    let (server, device) = locked().await;
    answer(
        &server,
        "GET",
        "/1.0/camera",
        ResponseTemplate::new(200).set_body_json(serde_json::json!(
        {"serial_number":"EB0022A002929","camera_mode":"Slave","audio_enabled":true})),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/camera",
        outcome(true, "Success set mode"),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/camera/control/start",
        outcome(true, "Started camera"),
    )
    .await;
    answer(
        &server,
        "POST",
        "/1.0/camera/control/stop",
        outcome(true, "Stopped camera"),
    )
    .await;
    answer(
        &server,
        "GET",
        "/1.0/biometric-data/ver1",
        buffer(serde_json::json!([])),
    )
    .await;
    let options = CaptureEnrollment::new()
        .poll_interval(Duration::from_millis(5))
        .timeout(Duration::from_millis(100));

    let err = device
        .enroll_by_capture(Subject::new("1001", "Kim"), options)
        .await
        .unwrap_err();

    assert_eq!(err.step, CaptureStep::WaitForCapture);
    assert!(err.source.is_timeout(), "{err:?}");
    assert!(err.left.is_empty(), "{err}");
    assert_eq!(
        requests_to(&server, "/1.0/camera/control/stop").await.len(),
        1
    );
    assert!(requests_to(&server, "/1.0/subjects").await.is_empty());
}

#[test]
fn camera_settings_are_built_with_a_typed_mode() {
    let settings = CameraSettings::new("EB0022A002929", CameraMode::Enrol, false);
    assert_eq!(
        serde_json::to_value(&settings).unwrap(),
        serde_json::json!({"serial_number":"EB0022A002929","camera_mode":"Enrol","audio_enabled":false})
    );
}
